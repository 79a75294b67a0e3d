// vCPUs (and local NVMe disks) of common VM sizes, for prerequisites that depend on node size (Azure Container
// Storage v1 needs node pools of 4 or more vCPUs; v2's local NVMe driver needs a size with NVMe disks). A small table
// on purpose: a size that is not in it is *unknown* (the prerequisite is reported as unchecked, never guessed from the
// name: `Standard_E4-2s_v5` has 2 active vCPUs, `Standard_DS3_v2` has 4).
//
// Source: the vCPU columns of the Azure VM size pages (learn.microsoft.com/azure/virtual-machines/sizes/overview and
// the family pages: B, Dv3/Dsv3, Dv2/DSv2, Dsv4, Dsv5/Ddsv5/Dasv5/Dadsv5, Esv3, Esv5/Edsv5, Fsv2); local NVMe: the
// storage-optimized Lsv3 and Lasv3 pages.

export interface VmSize {
  vCpus: number;
  /** The size has local NVMe data disks (what Azure Container Storage's ephemeral disk driver uses). */
  localNvme?: true;
}

const SIZES: Readonly<Record<string, VmSize>> = {
  standard_b2s: { vCpus: 2 },
  standard_b2ms: { vCpus: 2 },
  standard_b4ms: { vCpus: 4 },
  standard_b8ms: { vCpus: 8 },
  standard_ds2_v2: { vCpus: 2 },
  standard_ds3_v2: { vCpus: 4 },
  standard_ds4_v2: { vCpus: 8 },
  standard_ds5_v2: { vCpus: 16 },
  standard_d2s_v3: { vCpus: 2 },
  standard_d4s_v3: { vCpus: 4 },
  standard_d8s_v3: { vCpus: 8 },
  standard_d16s_v3: { vCpus: 16 },
  standard_d2s_v4: { vCpus: 2 },
  standard_d4s_v4: { vCpus: 4 },
  standard_d8s_v4: { vCpus: 8 },
  standard_d2s_v5: { vCpus: 2 },
  standard_d4s_v5: { vCpus: 4 },
  standard_d8s_v5: { vCpus: 8 },
  standard_d16s_v5: { vCpus: 16 },
  standard_d2ds_v5: { vCpus: 2 },
  standard_d4ds_v5: { vCpus: 4 },
  standard_d8ds_v5: { vCpus: 8 },
  standard_d2as_v5: { vCpus: 2 },
  standard_d4as_v5: { vCpus: 4 },
  standard_d8as_v5: { vCpus: 8 },
  standard_d2ads_v5: { vCpus: 2 },
  standard_d4ads_v5: { vCpus: 4 },
  standard_d8ads_v5: { vCpus: 8 },
  standard_e2s_v3: { vCpus: 2 },
  standard_e4s_v3: { vCpus: 4 },
  standard_e8s_v3: { vCpus: 8 },
  standard_e2s_v5: { vCpus: 2 },
  standard_e4s_v5: { vCpus: 4 },
  standard_e8s_v5: { vCpus: 8 },
  standard_e2ds_v5: { vCpus: 2 },
  standard_e4ds_v5: { vCpus: 4 },
  standard_f2s_v2: { vCpus: 2 },
  standard_f4s_v2: { vCpus: 4 },
  standard_f8s_v2: { vCpus: 8 },
  standard_l8s_v3: { vCpus: 8, localNvme: true },
  standard_l16s_v3: { vCpus: 16, localNvme: true },
  standard_l32s_v3: { vCpus: 32, localNvme: true },
  standard_l8as_v3: { vCpus: 8, localNvme: true },
  standard_l16as_v3: { vCpus: 16, localNvme: true },
};

/** What the table knows about a VM size (compared case-insensitively); undefined for a size it does not list. */
export function vmSize(name: string): VmSize | undefined {
  return SIZES[name.toLowerCase()];
}

/** How many sizes the table lists (for the docs). */
export const KNOWN_VM_SIZES = Object.keys(SIZES).length;
