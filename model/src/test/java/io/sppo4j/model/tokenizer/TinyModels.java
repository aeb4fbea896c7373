package io.sppo4j.model.tokenizer;

import java.net.URISyntaxException;
import java.nio.file.Path;

/** The tiny Hugging Face model directories under test resources (see make_tiny_models.py there). */
public final class TinyModels {

    /** Ids of the special tokens every tiny model shares: 256 byte symbols, 9 merges, then these. */
    static final int ENDOFTEXT = 265;
    static final int BEGIN_OF_TEXT = 266;
    static final int EOT_ID = 267;
    static final int IM_START = 268;
    static final int IM_END = 269;
    static final int VOCAB_SIZE = 272;

    private TinyModels() {}

    public static Path directory(String name) {
        try {
            return Path.of(TinyModels.class.getResource(name + "/tokenizer.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
