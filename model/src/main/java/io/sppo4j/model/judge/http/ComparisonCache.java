package io.sppo4j.model.judge.http;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The judge's answers, least recently used evicted first, keyed by the exact texts in the order
 * they were shown: {@code (prompt, A, B)} and {@code (prompt, B, A)} are two entries, since a
 * judge's position bias makes them two different questions.
 */
final class ComparisonCache {

    /** One question put to the judge. */
    record Key(String prompt, String responseA, String responseB) {}

    private final int capacity;
    private final Map<Key, Double> entries;

    ComparisonCache(int capacity) {
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Double> eldest) {
                return size() > ComparisonCache.this.capacity;
            }
        };
    }

    synchronized Optional<Double> probabilityOfA(Key key) {
        return Optional.ofNullable(entries.get(key));
    }

    synchronized void put(Key key, double probabilityOfA) {
        if (capacity > 0) {
            entries.put(key, probabilityOfA);
        }
    }

    synchronized int size() {
        return entries.size();
    }
}
