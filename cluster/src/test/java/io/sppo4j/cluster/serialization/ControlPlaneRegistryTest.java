package io.sppo4j.cluster.serialization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sppo4j.actors.Learner;
import io.sppo4j.actors.monitor.StepRecord;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ControlPlaneRegistryTest {

    private static final List<KryoRegistration> REAL = ControlPlaneRegistry.REGISTRATIONS;

    /** A record with the same name and different components stands in for an evolved message. */
    record Status(long step) {}

    @Test
    void theFingerprintIsStableAndShort() {
        String fingerprint = ControlPlaneRegistry.registrationFingerprint();
        assertTrue(fingerprint.matches("[0-9a-f]{16}"), fingerprint);
        assertEquals(fingerprint, ControlPlaneRegistry.fingerprint(List.copyOf(REAL)));
        assertEquals(fingerprint, ControlPlaneRegistry.fingerprint(new ArrayList<>(REAL)));
        assertEquals("k" + fingerprint.substring(0, 8), ControlPlaneSerializer.MANIFEST);
    }

    @Test
    void anyChangeToTheRegistrationChangesTheFingerprint() {
        String fingerprint = ControlPlaneRegistry.registrationFingerprint();
        KryoRegistration status = REAL.stream().filter(r -> r.type() == Learner.Status.class).findFirst().orElseThrow();
        int at = REAL.indexOf(status);

        List<KryoRegistration> otherId = new ArrayList<>(REAL);
        otherId.set(at, new KryoRegistration(999, status.type(), status.format(), status.serializer()));
        List<KryoRegistration> otherFormat = new ArrayList<>(REAL);
        otherFormat.set(at, new KryoRegistration(status.id(), status.type(), "field-serializer", status.serializer()));
        List<KryoRegistration> otherShape = new ArrayList<>(REAL);
        otherShape.set(at, new KryoRegistration(status.id(), Status.class, status.format(), status.serializer()));
        List<KryoRegistration> reordered = new ArrayList<>(REAL);
        Collections.swap(reordered, at, at + 1);
        List<KryoRegistration> shorter = new ArrayList<>(REAL);
        shorter.remove(at);
        List<KryoRegistration> longer = new ArrayList<>(REAL);
        longer.add(new KryoRegistration(5000, StepRecord[].class, "array", (kryo, refs) -> null));

        for (List<KryoRegistration> changed : List.of(otherId, otherFormat, otherShape, reordered, shorter, longer)) {
            assertNotEquals(fingerprint, ControlPlaneRegistry.fingerprint(changed));
        }
    }

    @Test
    void idsAndClassesAreUniqueAndClearOfKryosBuiltIns() {
        ControlPlaneRegistry.newKryo(() -> null); // the real list passes its own checks
        List<KryoRegistration> duplicateId = new ArrayList<>(REAL);
        duplicateId.add(new KryoRegistration(REAL.get(5).id(), StepRecord[].class, "array", (kryo, refs) -> null));
        assertThrows(IllegalStateException.class, () -> ControlPlaneRegistry.newKryo(duplicateId, () -> null));
        List<KryoRegistration> duplicateClass = new ArrayList<>(REAL);
        duplicateClass.add(new KryoRegistration(6000, REAL.get(5).type(), "again", (kryo, refs) -> null));
        assertThrows(IllegalStateException.class, () -> ControlPlaneRegistry.newKryo(duplicateClass, () -> null));
        List<KryoRegistration> builtIn = new ArrayList<>(REAL);
        builtIn.add(new KryoRegistration(7, StepRecord[].class, "array", (kryo, refs) -> null));
        assertThrows(IllegalStateException.class, () -> ControlPlaneRegistry.newKryo(builtIn, () -> null));
    }
}
