import { Global, Module } from '@nestjs/common';
import { CatalogRelay } from './catalog-relay';
import { ChangelogRelay } from './changelog-relay';

@Global()
@Module({ providers: [ChangelogRelay, CatalogRelay], exports: [ChangelogRelay, CatalogRelay] })
export class OutboxModule {}
