// Persistence: the chart's claim(s) are taken over in place (storage.mode helmChart), so every
// mailbox, the queue, DKIM keys and rspamd's data stay where they are. helm uninstall would
// delete a claim the release made: the report prints the annotation that keeps it.
import { HELM_CHART_COMPONENTS } from '../config/helm-chart-claims.js';
import { type ImportContext, keepCommand, set } from './context.js';
import { carry } from './map-identity.js';

/** Our component with the chart's data → whether it runs under these values. */
function runs(ctx: ImportContext, ours: string): boolean {
  const { v } = ctx;
  if (ours === 'webmail') return v.bool('webmail.enabled');
  if (ours === 'webdav') return v.bool('webdav.enabled');
  if (ours === 'fetchmail') return v.bool('fetchmail.enabled');
  return true;
}

export function mapStorage(ctx: ImportContext): void {
  const { v, out, report } = ctx;
  set(out, 'storage.mode', 'helmChart');
  if (v.bool('persistence.single_pvc')) singleClaim(ctx);
  else perComponentClaims(ctx);
  const cls = v.str('global.storageClass') || v.str('persistence.storageClass');
  const clsPaths = ['global.storageClass', 'persistence.storageClass'].filter((p) => v.has(p));
  if (cls && cls !== '-') {
    set(out, 'storage.storageClass', cls);
    report.mapped(clsPaths, 'storage.storageClass', 'for the claims mailu-k8s creates (ClamAV, Redis); the chart\'s claim keeps its class');
  } else if (clsPaths.length > 0) report.dflt(clsPaths, 'the cluster\'s default class for the claims mailu-k8s creates');
  mapClamav(ctx);
}

function singleClaim(ctx: ImportContext): void {
  const { v, out, report, fullname } = ctx;
  const existing = v.str('persistence.existingClaim');
  const name = existing || v.str('persistence.claimNameOverride') || `${fullname}-storage`;
  set(out, 'storage.helmChart.claimName', name);
  const paths = ['persistence.single_pvc', 'persistence.existingClaim', 'persistence.claimNameOverride'].filter((p) => v.has(p));
  report.mapped(paths.length > 0 ? paths : 'persistence.single_pvc', ['storage.mode', 'storage.helmChart.claimName'], `the chart's claim ${name}, mounted with the chart's folders: nothing is copied`);
  const modes = v.strList('persistence.accessModes');
  report.dflt(['persistence.size', 'persistence.accessModes', 'persistence.annotations'].filter((p) => v.has(p)), `the claim stays as it is${modes.includes('ReadWriteOnce') ? ' (ReadWriteOnce: every pod that mounts it runs on the node its volume is on, as under the chart)' : ''}`);
  if (!existing) report.step(keepCommand(ctx, 'pvc', name));
  const hostPath = v.str('persistence.hostPath');
  if (hostPath) {
    report.mapped('persistence.hostPath', 'storage.helmChart.claimName', `the chart made the PersistentVolume ${fullname}-storage for ${hostPath}: keep it too (command below)`);
    report.step(keepCommand(ctx, 'pv', `${fullname}-storage`));
  } else if (v.has('persistence.hostPath')) report.dflt('persistence.hostPath', 'empty');
  report.dflt(Object.values(HELM_CHART_COMPONENTS).map((c) => `${c}.persistence`).filter((p) => v.has(p)), 'used by the chart only without persistence.single_pvc');
}

/** single_pvc: false: one claim per component, each with the same folders as the single claim. */
function perComponentClaims(ctx: ImportContext): void {
  const { v, out, report, fullname } = ctx;
  report.mapped('persistence.single_pvc', 'storage.mode', 'the chart\'s per-component claims, mounted with its folders');
  for (const [ours, chart] of Object.entries(HELM_CHART_COMPONENTS)) {
    if (!runs(ctx, ours)) continue;
    const existing = v.str(`${chart}.persistence.existingClaim`);
    const name = existing || v.str(`${chart}.persistence.claimNameOverride`) || `${fullname}-${chart}`;
    set(out, `storage.helmChart.claims.${ours}`, name);
    const paths = [`${chart}.persistence.existingClaim`, `${chart}.persistence.claimNameOverride`].filter((p) => v.has(p));
    report.mapped(paths.length > 0 ? paths : 'persistence.single_pvc', `storage.helmChart.claims.${ours}`, `the chart's claim ${name}`);
    if (!existing) report.step(keepCommand(ctx, 'pvc', name));
    report.dflt([`${chart}.persistence`].filter((p) => v.has(p)), 'the claim stays as it is');
  }
  report.dflt(['persistence.size', 'persistence.accessModes', 'persistence.annotations', 'persistence.existingClaim', 'persistence.claimNameOverride', 'persistence.hostPath'].filter((p) => v.has(p)), 'used by the chart only with persistence.single_pvc');
}

/** ClamAV kept its signatures on its own StatefulSet claim: they are downloaded again. */
function mapClamav(ctx: ImportContext): void {
  const { v, report, fullname } = ctx;
  if (v.has('clamav.persistence.size')) carry(ctx, 'clamav.persistence.size', 'storage.sizes.antivirus', '2Gi', { note: 'a new claim: ClamAV downloads its signatures again' });
  if (v.bool('clamav.enabled') || v.has('clamav.persistence')) {
    report.dflt('clamav.persistence', `ClamAV gets a new claim; the chart's data-${fullname}-clamav-0 holds only signatures: delete it when done`);
  }
}
