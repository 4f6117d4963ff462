// Regenerates firestore.indexes.json from the query shapes the storage issues (npm run indexes).
import fs from 'node:fs';
import { buildFirestoreIndexDefinitions } from '../src/firestore-indexes';

const target = new URL('../firestore.indexes.json', import.meta.url);
fs.writeFileSync(target, `${JSON.stringify(buildFirestoreIndexDefinitions(), null, 2)}\n`);
process.stdout.write(`wrote ${target.pathname}\n`);
