// What an informer hands to onDelete when it learns of a deletion only by relisting: the
// object was gone from the new list, so its final state is unknown; `obj` is the last state
// the cache had.

export class DeletedFinalStateUnknown<T> {
  constructor(
    readonly key: string,
    readonly obj: T,
  ) {}
}

/** The object inside an onDelete argument, whether it came from a watch or a relist. */
export function deletedObject<T>(obj: T | DeletedFinalStateUnknown<T>): T {
  return obj instanceof DeletedFinalStateUnknown ? obj.obj : obj;
}
