/**
 * The SCSI device server of the reference target (SPC-5 / SBC-4 logical-unit emulation) and its backing
 * stores. It knows nothing of iSCSI: a transport hands it a nexus, a LUN, a CDB and the Data-Out, and sends
 * back the status, sense and Data-In it returns (types.ts).
 */
import type { DeviceServerOptions } from './config.js';
import { ScsiDeviceServer } from './server.js';
import type { DeviceServer } from './types.js';

export type { BlockLimitsConfig, DeviceServerOptions, LunConfig } from './config.js';
export type { CommandRequest, CommandResult, DeviceServer, Nexus, TaskAttribute, TmfName, TmfOutcome } from './types.js';
export {
  createBackingStore,
  FileStore,
  giveBackDataBuffer,
  lendDataBuffer,
  granuleFor,
  DATA_BUFFER_MIN,
  MemoryStore,
  ProvisionMap,
  PState,
  SparseStore,
  type BackingConfig,
  type BackingStore,
  type ProvisioningRun,
  type ProvisioningState,
} from './backing/index.js';
export { REPORT_LUNS_WLUN_NUMBER } from './types.js';
export { Q as ScsiQuirk } from './quirks.js';
export { ScsiDeviceServer, itKeyOf } from './server.js';

/**
 * Builds the device server for one target: its logical units with their backing stores (file stores are
 * opened, and created or extended to size, now). Throws on a bad configuration.
 */
export function createDeviceServer(opts: DeviceServerOptions): DeviceServer {
  return new ScsiDeviceServer(opts);
}
