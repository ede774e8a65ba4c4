import type { Page } from './types';

/**
 * A cursor-paginated list. Iterating it walks every page, one request per page, and yields the
 * items (`for await (const w of client.webhooks.list())`); `pages()` yields whole pages instead
 * (`for await (const page of client.webhooks.list().pages())`); `toArray()` collects everything.
 * Nothing is requested until iteration starts, and stopping early (`break`) stops the requests.
 */
export class PageIterator<T> implements AsyncIterable<T> {
  constructor(private readonly fetchPage: (cursor: string | undefined) => Promise<Page<T>>) {}

  async *pages(): AsyncGenerator<Page<T>, void, undefined> {
    let cursor: string | undefined;
    do {
      const page = await this.fetchPage(cursor);
      yield page;
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages()) yield* page.data;
  }

  async toArray(): Promise<T[]> {
    const all: T[] = [];
    for await (const item of this) all.push(item);
    return all;
  }
}
