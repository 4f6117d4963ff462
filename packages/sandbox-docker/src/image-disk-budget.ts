import { createHash } from 'node:crypto';
import type Dockerode from 'dockerode';
import { dockerMessage, dockerStatusCode, toSandboxError } from './docker-errors';

/** What a budget's `select` sees of an image. */
export interface BudgetImage {
  id: string;
  /** `name:tag` references; empty for an untagged image. */
  tags: readonly string[];
  labels: Readonly<Record<string, string>>;
}

export interface ImageDiskBudgetOptions {
  /** The most disk the selected images may hold, in bytes. */
  maxBytes: number;
  /** Which images count against the budget and may be removed (say, environment images); every other image is left alone. */
  select: (image: BudgetImage) => boolean;
  /** References or ids never removed (the image about to be used). */
  keep?: readonly string[];
  /**
   * Images this process used (built, pulled, ensured, found with `exists`) within this long are not
   * removed either: a sandbox may be about to start a container from one (default 5 minutes).
   */
  protectUsedWithinMs?: number;
  /** One line per image removed, and why the budget could not be met when it cannot. */
  onLog?: (line: string) => void;
}

export interface BudgetImageUsage extends BudgetImage {
  /** Bytes of its layers that no unselected image holds (shared layers counted at their first image). */
  bytes: number;
  /** When the image was created (ISO 8601). */
  createdAt: string;
  /** When this process last used it (ISO 8601), if it did. */
  lastUsedAt?: string;
  /** A container (running or not) was made from it. */
  inUse: boolean;
}

export interface ImageDiskUsage {
  /**
   * Disk the selected images hold: their distinct layers, minus those an unselected image (a base image,
   * say) holds too, since removing the selected images would not free those.
   */
  totalBytes: number;
  images: BudgetImageUsage[];
}

export interface ImageDiskBudgetResult {
  maxBytes: number;
  bytesBefore: number;
  /** Measured again after the removals. */
  bytesAfter: number;
  withinBudget: boolean;
  removed: Array<Pick<BudgetImageUsage, 'id' | 'tags' | 'createdAt' | 'lastUsedAt'>>;
  /** Images that could not be removed (a container was made from one meanwhile, or it has child images). */
  failed: Array<{ id: string; tags: readonly string[]; reason: string }>;
}

interface Layer {
  key: string;
  size: number;
}

const defaultProtectUsedWithinMs = 5 * 60_000;

/** Last use of an image by this process, by daemon and image id. */
const lastUse = new Map<string, number>();
/** Layers of an image, by daemon and image id (an image id names immutable content). */
const layerCache = new Map<string, Promise<Layer[]>>();

let lastStamp = 0;

/** Records a use now; stamps strictly increase, so uses in one millisecond keep their order. */
export function recordImageUse(daemon: string, imageId: string): void {
  lastStamp = Math.max(Date.now(), lastStamp + 1);
  lastUse.set(`${daemon}\0${imageId}`, lastStamp);
}

const lastUseOf = (daemon: string, imageId: string): number | undefined => lastUse.get(`${daemon}\0${imageId}`);

/**
 * The layers of an image with their sizes, from its history. A layer's key is the hash of the history up
 * to it, so that two images share a key exactly where one was built on the other (or both on one parent).
 */
function layersOf(docker: Dockerode, daemon: string, imageId: string): Promise<Layer[]> {
  const cacheKey = `${daemon}\0${imageId}`;
  let pending = layerCache.get(cacheKey);
  if (!pending) {
    pending = (async () => {
      const history = (await docker.getImage(imageId).history()) as Array<{ Created?: number; CreatedBy?: string; Size?: number; Comment?: string }>;
      let key = '';
      return [...history].reverse().map((entry) => {
        key = createHash('sha256')
          .update(`${key}\0${entry.Created ?? 0}\0${entry.CreatedBy ?? ''}\0${entry.Size ?? 0}\0${entry.Comment ?? ''}`)
          .digest('hex');
        return { key, size: Math.max(0, entry.Size ?? 0) };
      });
    })();
    pending.catch(() => layerCache.delete(cacheKey));
    layerCache.set(cacheKey, pending);
  }
  return pending;
}

const realTags = (tags: readonly string[] | null | undefined): string[] => (tags ?? []).filter((tag) => tag !== '<none>:<none>');

interface Snapshot {
  selected: Array<BudgetImageUsage & { layers: Layer[] }>;
  sharedWithUnselected: Set<string>;
}

async function snapshot(docker: Dockerode, daemon: string, select: (image: BudgetImage) => boolean): Promise<Snapshot> {
  let summaries: Dockerode.ImageInfo[];
  let containers: Dockerode.ContainerInfo[];
  try {
    [summaries, containers] = await Promise.all([docker.listImages({ all: false }), docker.listContainers({ all: true })]);
  } catch (error) {
    throw toSandboxError(error, 'list images and containers for the image disk budget', daemon);
  }
  const usedIds = new Set(containers.map((container) => container.ImageID));
  const selected: Snapshot['selected'] = [];
  const sharedWithUnselected = new Set<string>();
  await Promise.all(
    summaries.map(async (summary) => {
      const image: BudgetImage = { id: summary.Id, tags: realTags(summary.RepoTags), labels: summary.Labels ?? {} };
      let layers: Layer[];
      try {
        layers = await layersOf(docker, daemon, summary.Id);
      } catch (error) {
        if (dockerStatusCode(error) === 404) return; // removed meanwhile
        throw toSandboxError(error, `read the history of the image ${summary.Id}`, daemon);
      }
      if (!select(image)) {
        for (const layer of layers) sharedWithUnselected.add(layer.key);
        return;
      }
      const used = lastUseOf(daemon, summary.Id);
      selected.push({
        ...image,
        layers,
        bytes: 0,
        createdAt: new Date(summary.Created * 1000).toISOString(),
        ...(used === undefined ? {} : { lastUsedAt: new Date(used).toISOString() }),
        inUse: usedIds.has(summary.Id),
      });
    }),
  );
  // Precise creation times (the listing has whole seconds) order images built within one second.
  await Promise.all(
    selected.map(async (image) => {
      try {
        const created = (await docker.getImage(image.id).inspect()).Created;
        if (created) image.createdAt = new Date(created).toISOString();
      } catch {
        // The listing's time stays.
      }
    }),
  );
  selected.sort((left, right) => (left.id < right.id ? -1 : 1));
  return { selected, sharedWithUnselected };
}

/** Bytes of the distinct layers of `images` that no unselected image holds; fills each image's own `bytes`. */
function totalBytes(images: Snapshot['selected'], sharedWithUnselected: ReadonlySet<string>): number {
  const seen = new Set<string>();
  let total = 0;
  for (const image of images) {
    image.bytes = 0;
    for (const layer of image.layers) {
      if (sharedWithUnselected.has(layer.key) || seen.has(layer.key)) continue;
      seen.add(layer.key);
      image.bytes += layer.size;
      total += layer.size;
    }
  }
  return total;
}

const withoutLayers = ({ layers: _layers, ...image }: Snapshot['selected'][number]): BudgetImageUsage => image;

export async function imageDiskUsage(docker: Dockerode, daemon: string, select: (image: BudgetImage) => boolean): Promise<ImageDiskUsage> {
  const { selected, sharedWithUnselected } = await snapshot(docker, daemon, select);
  const total = totalBytes(selected, sharedWithUnselected);
  return { totalBytes: total, images: selected.map(withoutLayers) };
}

/** Last use by this process, else creation: the order in which images are given up. */
const recency = (image: Pick<BudgetImageUsage, 'lastUsedAt' | 'createdAt'>): number => Date.parse(image.lastUsedAt ?? image.createdAt);

/**
 * Removes selected images, least recently used first, until the selected images hold at most `maxBytes`.
 * Images a container was made from, images in `keep` and images this process used very recently stay;
 * when they alone exceed the budget the result says so (`withinBudget: false`) instead of failing.
 */
export async function enforceImageDiskBudget(docker: Dockerode, daemon: string, options: ImageDiskBudgetOptions): Promise<ImageDiskBudgetResult> {
  const log = options.onLog ?? (() => undefined);
  const protectWithin = options.protectUsedWithinMs ?? defaultProtectUsedWithinMs;
  const keep = new Set(options.keep ?? []);
  const { selected, sharedWithUnselected } = await snapshot(docker, daemon, options.select);
  const bytesBefore = totalBytes(selected, sharedWithUnselected);
  const removed: ImageDiskBudgetResult['removed'] = [];
  const failed: ImageDiskBudgetResult['failed'] = [];
  let remaining = [...selected];
  const now = Date.now();
  const candidates = [...selected]
    .filter((image) => !keep.has(image.id) && !image.tags.some((tag) => keep.has(tag)))
    .filter((image) => !image.inUse)
    .filter((image) => image.lastUsedAt === undefined || protectWithin <= 0 || now - Date.parse(image.lastUsedAt) >= protectWithin)
    .sort((left, right) => recency(left) - recency(right));
  let current = bytesBefore;
  for (const image of candidates) {
    if (current <= options.maxBytes) break;
    const failure = await removeImage(docker, image);
    const name = image.tags[0] ?? image.id;
    if (failure) {
      failed.push({ id: image.id, tags: image.tags, reason: failure });
      log(`image disk budget: could not remove ${name}: ${failure}`);
      continue;
    }
    remaining = remaining.filter((each) => each.id !== image.id);
    const next = totalBytes(remaining, sharedWithUnselected);
    log(
      `image disk budget: removed ${name} (${image.lastUsedAt ? `last used ${image.lastUsedAt}` : `created ${image.createdAt}`}), ${current - next} bytes freed, ${next} of ${options.maxBytes} bytes held`,
    );
    current = next;
    removed.push({ id: image.id, tags: image.tags, createdAt: image.createdAt, ...(image.lastUsedAt ? { lastUsedAt: image.lastUsedAt } : {}) });
  }
  const bytesAfter = removed.length > 0 ? (await imageDiskUsage(docker, daemon, options.select)).totalBytes : bytesBefore;
  if (bytesAfter > options.maxBytes) {
    log(
      `image disk budget: the images that must stay (in use by a container, kept, or used in the last ${Math.round(protectWithin / 1000)} s) hold ${bytesAfter} bytes, ` +
        `more than the budget of ${options.maxBytes} bytes`,
    );
  }
  return { maxBytes: options.maxBytes, bytesBefore, bytesAfter, withinBudget: bytesAfter <= options.maxBytes, removed, failed };
}

/** Removes an image by each of its tags (the last one deletes it), or by id when untagged; never forced. */
async function removeImage(docker: Dockerode, image: BudgetImage): Promise<string | undefined> {
  try {
    if (image.tags.length === 0) await docker.getImage(image.id).remove();
    for (const tag of image.tags) await docker.getImage(tag).remove();
    return undefined;
  } catch (error) {
    if (dockerStatusCode(error) === 404) return undefined;
    return dockerMessage(error);
  }
}
