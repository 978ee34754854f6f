// etcd3's runtime values, loaded with require() (./require.ts says why). Classes are
// exported as value and type under one name, as `import { Etcd3 } from "etcd3"` would.
import type * as Etcd3Module from "etcd3";
import { requireCjs } from "./require.ts";

const etcd3 = requireCjs("etcd3") as typeof Etcd3Module;

export const {
  Etcd3,
  EtcdError,
  EtcdPermissionDeniedError,
  EtcdRoleExistsError,
  EtcdRoleNotFoundError,
  EtcdUserExistsError,
  EtcdUserNotFoundError,
  GRPCGenericError,
  Range,
  isRecoverableError,
} = etcd3;
export type Etcd3 = Etcd3Module.Etcd3;
export type Range = Etcd3Module.Range;
