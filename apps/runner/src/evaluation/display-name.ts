/**
 * A name from the inputs (a model name, an instance id) as the terminal shows it: as it is, or quoted
 * with escapes (`"evil\u0000name"`) when it holds control characters, so that a predictions file cannot
 * write NULs or escape sequences to the terminal.
 */
export const displayName = (name: string): string => (/\p{Cc}/u.test(name) ? JSON.stringify(name) : name);

/** Names for the terminal, the first `limit` of them, and how many more there are. */
export const displayList = (names: readonly string[], limit = 10): string =>
  `${names.slice(0, limit).map(displayName).join(', ')}${names.length > limit ? `, … (${names.length - limit} more)` : ''}`;
