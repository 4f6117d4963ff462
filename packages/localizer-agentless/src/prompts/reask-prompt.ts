/** Sent once after an answer that could not be used, with the reason. */
export function reaskPrompt(problem: string): string {
  return `Your answer could not be used: ${problem}\nAnswer the question again, exactly in the format asked for (one fenced block). You do not need to repeat any reasoning.`;
}
