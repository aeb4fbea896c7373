/**
 * sppo4j's wire formats, bound in {@code sppo4j-serialization.conf}.
 *
 * <p>Data plane ({@link io.sppo4j.cluster.serialization.DataPlaneSerializer}): rollout groups,
 * judged groups, weight offers and chunks as the {@code sppo4j.v1} protobuf schemas of
 * {@code proto/}, versioned by {@code schema_version} ({@link io.sppo4j.cluster.serialization.WireSchema}).
 * {@link io.sppo4j.cluster.serialization.DataPlaneProtos} maps the actors' records to and from
 * the schema; the rollout log uses the same mapping.
 *
 * <p>Control plane ({@link io.sppo4j.cluster.serialization.ControlPlaneSerializer}): every other
 * {@code SppoMessage} as Kryo 5 bytes, with registration required and one ordered registration
 * ({@link io.sppo4j.cluster.serialization.ControlPlaneRegistry}) whose fingerprint nodes compare
 * before they talk.
 *
 * <p>Refusals of either are counted in {@link io.sppo4j.cluster.serialization.WireRefusals}.
 */
package io.sppo4j.cluster.serialization;
