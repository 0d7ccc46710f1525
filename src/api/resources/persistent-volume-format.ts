// Cells shared by the PV and PVC printers.

const ACCESS_MODES: [string, string][] = [
  ['ReadWriteOnce', 'RWO'],
  ['ReadOnlyMany', 'ROX'],
  ['ReadWriteMany', 'RWX'],
  ['ReadWriteOncePod', 'RWOP'],
];

export function accessModesText(modes: string[] | undefined): string {
  const set = new Set(modes ?? []);
  return ACCESS_MODES.filter(([m]) => set.has(m))
    .map(([, short]) => short)
    .join(',');
}

export function storageClassOf(obj: any): string {
  // The beta annotation, where present, wins over the field (helper.GetPersistentVolumeClass).
  const annotation = obj.metadata?.annotations?.['volume.beta.kubernetes.io/storage-class'];
  if (annotation !== undefined) return annotation;
  return obj.spec?.storageClassName ?? '';
}
