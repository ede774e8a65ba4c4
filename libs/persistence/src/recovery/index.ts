export * from './recovery-job.repository';
