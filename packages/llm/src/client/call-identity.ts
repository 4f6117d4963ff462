import type { CallLabels, NormalizedChatRequest } from '@codemonkeys/protocol';
import { chatCacheKey, embeddingCacheKey, embeddingCallKey, modelCallRecordId } from '../cache/cache-keys';
import type { CallIdentity } from '../middleware/model-middleware';

// Hashed on first use: a client with neither cache nor recorder never hashes a request.
abstract class LazyIdentity implements CallIdentity {
  private key: string | undefined;
  private id: string | undefined;

  constructor(
    protected readonly endpoint: string,
    protected readonly model: string,
    private readonly labels: CallLabels,
    protected readonly sample: number,
  ) {}

  protected abstract computeKey(): string;
  abstract readonly inputKeys: readonly string[];

  get cacheKey(): string {
    return (this.key ??= this.computeKey());
  }

  get recordId(): string {
    return (this.id ??= modelCallRecordId(this.labels, this.sample, this.cacheKey));
  }
}

export class ChatCallIdentity extends LazyIdentity {
  readonly inputKeys: readonly string[] = [];

  constructor(
    endpoint: string,
    model: string,
    private readonly request: NormalizedChatRequest,
    labels: CallLabels,
    sample: number,
  ) {
    super(endpoint, model, labels, sample);
  }

  protected computeKey(): string {
    return chatCacheKey({ endpoint: this.endpoint, model: this.model, request: this.request, sample: this.sample });
  }
}

export class EmbeddingCallIdentity extends LazyIdentity {
  private keys: string[] | undefined;

  constructor(
    endpoint: string,
    model: string,
    private readonly input: readonly string[],
    labels: CallLabels,
    sample: number,
  ) {
    super(endpoint, model, labels, sample);
  }

  get inputKeys(): readonly string[] {
    return (this.keys ??= this.input.map((input) => embeddingCacheKey({ endpoint: this.endpoint, model: this.model, input })));
  }

  protected computeKey(): string {
    return embeddingCallKey({ endpoint: this.endpoint, model: this.model, inputKeys: this.inputKeys });
  }
}
