// The result of running a plugin, as upstream's framework.Status: a code plus reasons.
// A nil Status upstream means Success; here Status.success() is a shared instance.

export enum Code {
  Success = 'Success',
  Error = 'Error',
  Unschedulable = 'Unschedulable',
  /** Unschedulable and preemption on this node would not help. */
  UnschedulableAndUnresolvable = 'UnschedulableAndUnresolvable',
  Wait = 'Wait',
  Skip = 'Skip',
}

export class Status {
  plugin = '';
  constructor(
    readonly code: Code,
    readonly reasons: readonly string[] = [],
    readonly error?: Error,
  ) {}

  private static readonly SUCCESS = new Status(Code.Success);
  private static readonly SKIP = new Status(Code.Skip);

  static success(): Status {
    return Status.SUCCESS;
  }
  static skip(): Status {
    return Status.SKIP;
  }
  static unschedulable(...reasons: string[]): Status {
    return new Status(Code.Unschedulable, reasons);
  }
  static unresolvable(...reasons: string[]): Status {
    return new Status(Code.UnschedulableAndUnresolvable, reasons);
  }
  static error(err: Error | string): Status {
    const e = typeof err === 'string' ? new Error(err) : err;
    return new Status(Code.Error, [e.message], e);
  }

  isSuccess(): boolean {
    return this.code === Code.Success;
  }
  isSkip(): boolean {
    return this.code === Code.Skip;
  }
  /** Unschedulable or UnschedulableAndUnresolvable. */
  isRejected(): boolean {
    return this.code === Code.Unschedulable || this.code === Code.UnschedulableAndUnresolvable;
  }
  message(): string {
    return this.reasons.join(', ');
  }
  withPlugin(name: string): Status {
    if (this === Status.SUCCESS || this === Status.SKIP) return this;
    this.plugin = name;
    return this;
  }
}
