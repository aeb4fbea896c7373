package io.sppo4j.model.task.sort;

import io.sppo4j.model.judge.PreferenceModel;
import io.sppo4j.model.sft.Demonstrations;
import io.sppo4j.model.task.Task;
import io.sppo4j.model.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The built-in {@code sort} task: a prompt is a digit string followed by {@code =}, the ideal
 * response is the same digits sorted. Learning shows on a laptop CPU within minutes.
 *
 * <p>The held-out split is a property of the digit string (a hash), not of the order prompts
 * were drawn in, so training never sees an evaluation prompt whatever the seeds.
 */
public final class SortTask implements Task {

    /** Ends every prompt: the response starts after it. */
    public static final char SEPARATOR = '=';

    private final SortTaskConfig config;

    public SortTask(SortTaskConfig config) {
        this.config = config;
    }

    public SortTaskConfig config() {
        return config;
    }

    @Override
    public String name() {
        return "sort";
    }

    @Override
    public PreferenceModel judge() {
        return new SortJudge();
    }

    @Override
    public Demonstrations demonstrations(Tokenizer tokenizer) {
        return new SortDemonstrations(this, tokenizer);
    }

    /** A training prompt (never a held-out one). */
    @Override
    public String trainingPrompt(SplittableRandom random) {
        while (true) {
            String prompt = anyPrompt(random);
            if (!isHeldOut(prompt)) {
                return prompt;
            }
        }
    }

    /** {@code count} held-out prompts, the same for the same seed. */
    @Override
    public List<String> heldOutPrompts(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> prompts = new ArrayList<>(count);
        while (prompts.size() < count) {
            String prompt = anyPrompt(random);
            if (isHeldOut(prompt)) {
                prompts.add(prompt);
            }
        }
        return prompts;
    }

    public boolean isHeldOut(String prompt) {
        long h = prompt.hashCode() * 0x9E3779B97F4A7C15L;
        double unit = (h >>> 11) * 0x1.0p-53;
        return unit < config.heldOutShare();
    }

    /** The ideal response: the prompt's digits in ascending order. */
    public static String target(String prompt) {
        int end = prompt.indexOf(SEPARATOR);
        char[] digits = (end < 0 ? prompt : prompt.substring(0, end)).toCharArray();
        Arrays.sort(digits);
        return new String(digits);
    }

    /**
     * A demonstration for SFT: the sorted digits with, at each position and with probability
     * {@code noise}, one error. Insertions and deletions are equally likely, so demonstrations
     * keep the ideal length on average.
     */
    public String noisyDemonstration(String prompt, SplittableRandom random) {
        String sorted = target(prompt);
        StringBuilder out = new StringBuilder(sorted.length() + 4);
        int i = 0;
        while (i < sorted.length()) {
            char digit = sorted.charAt(i);
            if (random.nextDouble() >= config.noise()) {
                out.append(digit);
                i++;
                continue;
            }
            switch (random.nextInt(4)) {
                case 0 -> out.append(otherDigit(digit, random)); // substitution
                case 1 -> { } // deletion
                case 2 -> out.append(digit).append(randomDigit(random)); // insertion
                default -> { // swap with the next digit (a substitution at the end)
                    if (i + 1 < sorted.length()) {
                        out.append(sorted.charAt(i + 1)).append(digit);
                        i++;
                    } else {
                        out.append(otherDigit(digit, random));
                    }
                }
            }
            i++;
        }
        return out.toString();
    }

    private String anyPrompt(SplittableRandom random) {
        int length = config.minDigits() + random.nextInt(config.maxDigits() - config.minDigits() + 1);
        StringBuilder prompt = new StringBuilder(length + 1);
        for (int i = 0; i < length; i++) {
            prompt.append(randomDigit(random));
        }
        return prompt.append(SEPARATOR).toString();
    }

    private static char randomDigit(SplittableRandom random) {
        return (char) ('0' + random.nextInt(10));
    }

    private static char otherDigit(char digit, SplittableRandom random) {
        return (char) ('0' + (digit - '0' + 1 + random.nextInt(9)) % 10);
    }
}
