/** The path of a request's URL (`/v1/webhooks/wh_1` of `/v1/webhooks/wh_1?x=1`), undecoded. */
export function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
