/** The event the delivery-task specs carry. */
export const EVENT = {
  id: 'evt_1',
  project_id: 'prj_1',
  event: 'project.updated',
  occurred_at: '2026-11-22T15:46:13.323Z',
  data: { a: 1 },
};
