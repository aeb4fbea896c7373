package io.sppo4j.model.text;

import io.sppo4j.model.judge.PreferenceModel;
import io.sppo4j.model.sft.Demonstrations;
import io.sppo4j.model.tokenizer.ByteTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PromptTaskTest {

    /** Prefers the longer response: enough of a judge to check the task hands it over. */
    private static final PreferenceModel LONGER = new PreferenceModel() {
        @Override
        public String name() {
            return "longer";
        }

        @Override
        public double[][] preferences(String prompt, List<String> responses) {
            int k = responses.size();
            double[][] p = new double[k][k];
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    int a = responses.get(i).length();
                    int b = responses.get(j).length();
                    p[i][j] = a == b ? 0.5 : a > b ? 1 : 0;
                }
            }
            return p;
        }
    };

    @TempDir
    Path directory;

    private PromptTask task(String... lines) throws IOException {
        Path file = directory.resolve("prompts.jsonl");
        Files.writeString(file, String.join("\n", lines));
        PromptDataset dataset = PromptDataset.load(
                new PromptsSettings(file.toString(), PromptFormat.AUTO, 1, 1, 2, false), Optional.empty());
        return new PromptTask("prompts", dataset, LONGER);
    }

    @Test
    void trainingPromptsAreNeverHeldOutAndTheJudgeIsTheGivenOne() throws IOException {
        PromptTask task = task("{\"prompt\": \"a\"}", "{\"prompt\": \"b\"}", "{\"prompt\": \"c\"}",
                "{\"prompt\": \"d\"}", "{\"prompt\": \"e\"}");
        List<String> heldOut = task.heldOutPrompts(10, 99);
        assertEquals(2, heldOut.size());
        assertEquals(heldOut.subList(0, 1), task.heldOutPrompts(1, 5));
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 200; i++) {
            assertFalse(heldOut.contains(task.trainingPrompt(random)));
        }
        assertEquals(task.trainingPrompt(new SplittableRandom(8)), task.trainingPrompt(new SplittableRandom(8)));
        assertSame(LONGER, task.judge());
        assertEquals("prompts", task.name());
    }

    @Test
    void linesWithResponsesAreDemonstrations() throws IOException {
        PromptTask task = task("{\"prompt\": \"a\", \"response\": \"A\"}", "{\"prompt\": \"b\", \"response\": \"B\"}",
                "{\"prompt\": \"c\", \"response\": \"C\"}", "{\"prompt\": \"d\", \"response\": \"D\"}",
                "{\"prompt\": \"e\", \"response\": \"E\"}", "{\"prompt\": \"f\", \"response\": \"F\"}");
        assertTrue(task.hasDemonstrations());
        ByteTokenizer bytes = new ByteTokenizer();
        Demonstrations.Demonstration demonstration = task.demonstrations(bytes).next(new SplittableRandom(1));
        String prompt = bytes.decode(java.util.Arrays.copyOfRange(demonstration.prompt(), 1, demonstration.prompt().length));
        assertFalse(task.heldOutPrompts(2, 0).contains(prompt));
        assertArrayEquals(bytes.encodeResponse(prompt.toUpperCase(java.util.Locale.ROOT)), demonstration.response());
    }

    @Test
    void withoutResponsesThereIsNothingToFineTuneOn() throws IOException {
        PromptTask task = task("{\"prompt\": \"a\"}", "{\"prompt\": \"b\"}", "{\"prompt\": \"c\"}");
        assertFalse(task.hasDemonstrations());
        IllegalStateException error = assertThrows(IllegalStateException.class, () -> task.demonstrations(new ByteTokenizer()));
        assertTrue(error.getMessage().contains("no training line with a \"response\""), error.getMessage());
    }
}
