package io.sppo4j.model.text;

import io.sppo4j.model.tokenizer.ChatTemplate;
import io.sppo4j.model.tokenizer.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PromptDatasetTest {

    @TempDir
    Path directory;

    private Path write(String name, String... lines) throws IOException {
        Path file = directory.resolve(name);
        Files.writeString(file, String.join("\n", lines) + "\n");
        return file;
    }

    private static PromptsSettings config(Path file, long seed, int epochs, double heldOut, boolean skipBadLines) {
        return new PromptsSettings(file.toString(), PromptFormat.AUTO, seed, epochs, heldOut, skipBadLines);
    }

    private static List<String> prompts(PromptDataset dataset) {
        return dataset.training().stream().map(PromptEntry::prompt).toList();
    }

    private Path numbered(int count) throws IOException {
        return write("numbered.txt", IntStream.range(0, count).mapToObj(i -> "prompt " + i).toArray(String[]::new));
    }

    @Test
    void textFilesHaveOnePromptPerLineAndIgnoreBlankLines() throws IOException {
        Path file = write("prompts.txt", "Sort 3 1 2", "", "   ", "  Name a colour.", "{\"prompt\": \"not JSON here\"}");
        PromptDataset dataset = PromptDataset.load(PromptsSettings.of(file), Optional.empty());
        assertEquals(List.of("Sort 3 1 2", "  Name a colour.", "{\"prompt\": \"not JSON here\"}"), prompts(dataset));
        assertEquals(List.of(1, 4, 5), dataset.training().stream().map(PromptEntry::line).toList());
    }

    @Test
    void jsonlLinesHoldAPromptOrMessagesAndAnOptionalResponse() throws IOException {
        Path file = write("prompts.jsonl",
                "{\"prompt\": \"Sort 3 1 2\", \"id\": 7}",
                "",
                "{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Hi\"}]}",
                "{\"prompt\": \"Say yes\", \"response\": \"yes\"}");
        PromptDataset raw = PromptDataset.load(PromptsSettings.of(file), Optional.empty());
        assertEquals(List.of("Sort 3 1 2", "Be brief.\nHi", "Say yes"), prompts(raw), "no template: contents joined");
        assertEquals(Optional.of("yes"), raw.training().get(2).response());

        ChatTemplate chatMl = ChatTemplate.fromModelDirectory(TinyModels.directory("smollm2")).orElseThrow();
        PromptDataset chat = PromptDataset.load(PromptsSettings.of(file), Optional.of(chatMl));
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
                chat.training().get(1).prompt());
        assertEquals("Sort 3 1 2", chat.training().get(0).prompt(), "plain prompts stay raw text");
    }

    @Test
    void theFormatKeyOverridesTheExtension() throws IOException {
        Path file = write("prompts.data", "{\"prompt\": \"a\"}");
        PromptsSettings jsonl = new PromptsSettings(file.toString(), PromptFormat.JSONL, 1, 1, 0, false);
        assertEquals(List.of("a"), prompts(PromptDataset.load(jsonl, Optional.empty())));
        assertEquals(List.of("{\"prompt\": \"a\"}"), prompts(PromptDataset.load(PromptsSettings.of(file), Optional.empty())));
    }

    @Test
    void aBadLineFailsNamingTheFileAndLine() throws IOException {
        List<String> bad = List.of(
                "{\"prompt\": \"a\"",
                "{\"text\": \"a\"}",
                "{\"prompt\": 3}",
                "{\"prompt\": \"  \"}",
                "{\"messages\": []}",
                "{\"messages\": [{\"role\": \"user\"}]}",
                "{\"messages\": [{\"role\": \"user\", \"content\": 1}]}",
                "[1, 2]",
                "{\"prompt\": \"a\", \"messages\": []}");
        for (String line : bad) {
            Path file = write("bad.jsonl", "{\"prompt\": \"fine\"}", "", line);
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> PromptDataset.load(PromptsSettings.of(file), Optional.empty()), line);
            assertTrue(error.getMessage().startsWith(file + ":3: "), error.getMessage());
        }
        Path file = write("bad.jsonl", "{\"prompt\": 3}");
        assertEquals(file + ":1: \"prompt\" must be a string, got 3",
                assertThrows(IllegalArgumentException.class,
                        () -> PromptDataset.load(PromptsSettings.of(file), Optional.empty())).getMessage());
    }

    @Test
    void skippedBadLinesAreCounted() throws IOException {
        Path file = write("mixed.jsonl", "{\"prompt\": \"a\"}", "not json", "{\"prompt\": \"b\"}", "{}", "{\"prompt\": 1}");
        PromptDataset dataset = PromptDataset.load(config(file, 1, 1, 0, true), Optional.empty());
        assertEquals(List.of("a", "b"), prompts(dataset));
        assertEquals(3, dataset.skippedLines());
        Path allBad = write("all-bad.jsonl", "nope", "{}");
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> PromptDataset.load(config(allBad, 1, 1, 0, true), Optional.empty()));
        assertTrue(error.getMessage().contains("no prompts (all 2 non-blank lines were bad)"), error.getMessage());
    }

    @Test
    void theHeldOutSplitIsDisjointDeterministicAndSizedByFractionOrCount() throws IOException {
        Path file = numbered(200);
        // Repeats of one prompt must all land on the same side of the split.
        Files.writeString(file, "prompt 7\nprompt 7\n", java.nio.file.StandardOpenOption.APPEND);
        PromptDataset byFraction = PromptDataset.load(config(file, 5, 1, 0.1, false), Optional.empty());
        assertEquals(20, byFraction.heldOut().size());
        Set<String> training = new HashSet<>(prompts(byFraction));
        byFraction.heldOut().forEach(prompt -> assertFalse(training.contains(prompt), prompt));
        // 202 lines, 200 distinct: a held-out "prompt 7" takes its two repeats with it.
        assertEquals(202 - 20 - (byFraction.heldOut().contains("prompt 7") ? 2 : 0), byFraction.training().size());

        assertEquals(byFraction.heldOut(), PromptDataset.load(config(file, 5, 1, 0.1, false), Optional.empty()).heldOut());
        assertNotEquals(byFraction.heldOut(), PromptDataset.load(config(file, 6, 1, 0.1, false), Optional.empty()).heldOut());
        assertEquals(7, PromptDataset.load(config(file, 5, 1, 7, false), Optional.empty()).heldOut().size());
        assertTrue(PromptDataset.load(config(file, 5, 1, 0, false), Optional.empty()).heldOut().isEmpty());

        IllegalArgumentException everything = assertThrows(IllegalArgumentException.class,
                () -> PromptDataset.load(config(file, 5, 1, 200, false), Optional.empty()));
        assertTrue(everything.getMessage().contains("leaving none to train on"), everything.getMessage());
    }

    @Test
    void epochsVisitEveryTrainingPromptOnceEachInASeededOrder() throws IOException {
        Path file = numbered(50);
        PromptDataset dataset = PromptDataset.load(config(file, 3, 3, 0, false), Optional.empty());
        PromptDataset.EpochIterator stream = dataset.epochs();
        List<List<String>> epochs = new ArrayList<>();
        while (stream.hasNext()) {
            int epoch = stream.epoch();
            if (epochs.size() == epoch) {
                epochs.add(new ArrayList<>());
            }
            epochs.get(epoch).add(stream.next());
        }
        assertEquals(3, epochs.size());
        assertEquals(3, stream.epoch());
        assertEquals(150, stream.position());
        Set<String> all = Set.copyOf(prompts(dataset));
        for (List<String> epoch : epochs) {
            assertEquals(50, epoch.size());
            assertEquals(all, Set.copyOf(epoch));
        }
        assertNotEquals(epochs.get(0), epochs.get(1), "each epoch is reshuffled");
        assertNotEquals(prompts(dataset), epochs.get(0), "shuffled, not file order");

        PromptDataset again = PromptDataset.load(config(file, 3, 3, 0, false), Optional.empty());
        PromptDataset.EpochIterator resumed = again.epochs(60);
        assertEquals(1, resumed.epoch());
        assertEquals(epochs.get(1).subList(10, 50), IntStream.range(0, 40).mapToObj(i -> resumed.next()).toList(),
                "resuming at a position continues the same stream");
        assertEquals(epochs.get(2).get(0), again.trainingPrompt(100));

        PromptDataset otherSeed = PromptDataset.load(config(file, 4, 1, 0, false), Optional.empty());
        assertNotEquals(epochs.get(0), IntStream.range(0, 50).mapToObj(i -> otherSeed.trainingPrompt(i))
                .collect(Collectors.toList()));
    }
}
