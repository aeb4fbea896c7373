package io.sppo4j.actors;

/**
 * Marker of every message that may cross an actor boundary. Serializers are bound to it, so a
 * class that forgets it fails loudly under {@code serialize-messages} instead of silently
 * falling back to Java serialization (which stays off).
 */
public interface SppoMessage {}
