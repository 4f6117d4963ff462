#!/usr/bin/env node
import { packageMeta } from './package-meta';

process.stdout.write(`${packageMeta.name} ${packageMeta.version}\n`);
