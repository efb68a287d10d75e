/** What a delete returns, and the payload of `*.deleted` events: which object went. */
export interface DeletedObject {
  object: string;
  id: string;
  deleted: true;
  slug?: string;
  externalId?: string | null;
}
