package io.sppo4j.model.task;

/**
 * A task whose every response is one of a few single tokens after one fixed prompt (the game
 * task), so a policy's distribution over its responses is computable exactly.
 *
 * @param promptTokens the prompt as the policy sees it
 * @param responseIds the token of each response, in the task's response order
 */
public record FiniteResponses(int[] promptTokens, int[] responseIds) {

    public FiniteResponses {
        promptTokens = promptTokens.clone();
        responseIds = responseIds.clone();
    }
}
