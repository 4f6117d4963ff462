/** Replaces secrets (API keys, Authorization values) in text and JSON-like values before they are stored or thrown. */
export interface SecretRedactor {
  redactText(text: string): string;
  /** A deep copy of `value` with every string redacted and sensitive fields (authorization, api keys) replaced. */
  redactValue<T>(value: T): T;
}

export const redactedMarker = '[redacted]';

// Fields whose value is a credential whatever it looks like.
const sensitiveFieldPattern = /^(authorization|proxy-authorization|x-api-key|api-key|api_key|apikey|cookie|set-cookie)$/i;
// Credentials that appear in text even when we do not know them: bearer tokens and the common key shapes.
const genericSecretPatterns: ReadonlyArray<[RegExp, string]> = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g, `$1 ${redactedMarker}`],
  [/\bsk-[A-Za-z0-9_-]{8,}/g, redactedMarker],
];
// Short values (a header "1", "true") would mangle unrelated text; keys are long.
const minimumSecretLength = 6;

export function createSecretRedactor(secrets: Iterable<string | undefined>): SecretRedactor {
  // Longest first, so that a key containing another secret is replaced whole.
  const known = [...new Set([...secrets].filter((secret): secret is string => typeof secret === 'string' && secret.length >= minimumSecretLength))].sort(
    (left, right) => right.length - left.length,
  );

  const redactText = (text: string): string => {
    let result = text;
    for (const secret of known) if (result.includes(secret)) result = result.split(secret).join(redactedMarker);
    for (const [pattern, replacement] of genericSecretPatterns) {
      pattern.lastIndex = 0;
      if (pattern.test(result)) result = result.replace(pattern, replacement);
      pattern.lastIndex = 0;
    }
    return result;
  };

  const redactValue = (value: unknown): unknown => {
    if (typeof value === 'string') return redactText(value);
    if (Array.isArray(value)) return value.map(redactValue);
    if (value !== null && typeof value === 'object') {
      const result: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) result[key] = sensitiveFieldPattern.test(key) && item !== undefined ? redactedMarker : redactValue(item);
      return result;
    }
    return value;
  };

  return { redactText, redactValue: redactValue as <T>(value: T) => T };
}
