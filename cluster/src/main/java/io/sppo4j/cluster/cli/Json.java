package io.sppo4j.cluster.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

/** The JSON summaries commands print as their last stdout line. */
public final class Json {

    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().disableHtmlEscaping().create();

    private Json() {}

    public static String line(Object value) {
        return GSON.toJson(value);
    }
}
