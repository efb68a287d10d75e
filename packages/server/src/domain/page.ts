/** One page of a list and how many items match in all: every list operation's result. */
export interface Page<T> {
  items: T[];
  totalCount: number;
}
