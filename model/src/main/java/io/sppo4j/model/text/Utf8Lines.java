package io.sppo4j.model.text;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A text file's lines (ended by {@code \n}, {@code \r\n} or {@code \r}, as
 * {@link java.io.BufferedReader#readLine} ends them), each decoded as strict UTF-8 on its own,
 * so a line that is not valid UTF-8 is known by its number and the lines after it still read.
 */
final class Utf8Lines implements Closeable {

    /** Thrown for a line whose bytes are not UTF-8; the reading can go on with the next line. */
    static final class NotUtf8 extends IOException {
        private static final long serialVersionUID = 1L;

        NotUtf8(CharacterCodingException cause) {
            super("not valid UTF-8 (" + cause + ")", cause);
        }
    }

    private final InputStream in;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private int pushedBack = -1;

    Utf8Lines(Path file) throws IOException {
        this.in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    }

    /**
     * The next line, or null at the end of the file.
     *
     * @throws NotUtf8 if the line's bytes are not UTF-8 (the next call reads the line after it)
     */
    String next() throws IOException {
        line.reset();
        int b = pushedBack >= 0 ? pushedBack : in.read();
        pushedBack = -1;
        if (b < 0) {
            return null;
        }
        while (b >= 0 && b != '\n' && b != '\r') {
            line.write(b);
            b = in.read();
        }
        if (b == '\r') {
            int after = in.read();
            if (after != '\n') {
                pushedBack = after;
            }
        }
        try {
            return decoder.decode(ByteBuffer.wrap(line.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw new NotUtf8(e);
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
