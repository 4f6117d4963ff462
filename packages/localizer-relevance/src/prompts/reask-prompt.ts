/** Sent once after an answer that could not be used, with the reason. */
export function reaskPrompt(problem: string): string {
  return `Your answer could not be used: ${problem}\nGive your final answer again, exactly in the format asked for. You do not need to repeat your reasoning.`;
}
