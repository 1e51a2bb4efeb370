/** create-index: read inputs → pipeline.createIndexes → outputs and job summary. */
import { UserError } from '@talos-kmod/common';
import { parseReference } from '@talos-kmod/oci';
import { createIndexes, indexesSummary, parseIndexRequests } from '@talos-kmod/pipeline';
import {
  createActionsLogger,
  readList,
  readRequired,
  readSecret,
  readString,
  runAction,
  writeOutputs,
  writeSummary,
} from '@talos-kmod/action-kit';
import { pairCredentials } from '@talos-kmod/pipeline/contracts';

void runAction(async () => {
  const indexes = parseIndexRequests(readRequired('indexes'), "input 'indexes'");
  const platforms = readList('platforms');
  const credentials = pairCredentials(
    readString('registry-username'),
    readSecret('registry-password'),
  );
  // Credentials belong to one host: the registry every index is pushed to.
  const hosts = [...new Set(indexes.map((i) => parseReference(i.destination).registry))];
  if (credentials && hosts.length !== 1) {
    throw new UserError(
      `input 'registry-username' is set but the indexes go to ${hosts.join(', ')}: create the indexes of each registry in their own step`,
    );
  }
  const access = credentials ? { credentials: { registry: hosts[0] ?? '', ...credentials } } : {};
  const result = await createIndexes(
    { indexes, ...(platforms.length > 0 ? { platforms } : {}) },
    {
      logger: createActionsLogger(),
      registry: { insecureRegistries: readList('insecure-registries'), ...access },
    },
  );
  writeOutputs({ indexes: JSON.stringify(result.indexes) });
  await writeSummary(indexesSummary(result));
});
