package io.sppo4j.actors;

import org.apache.pekko.actor.NoSerializationVerificationNeeded;

/**
 * A message an actor sends only to itself (timer ticks, "work on the next batch"): it never
 * leaves the JVM, so it has no wire format, and Pekko's serialization check skips it.
 */
public interface LocalOnly extends NoSerializationVerificationNeeded {}
