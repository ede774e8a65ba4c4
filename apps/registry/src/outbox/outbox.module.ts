import { Global, Module } from '@nestjs/common';
import { ChangelogRelay } from './changelog-relay';

@Global()
@Module({ providers: [ChangelogRelay], exports: [ChangelogRelay] })
export class OutboxModule {}
