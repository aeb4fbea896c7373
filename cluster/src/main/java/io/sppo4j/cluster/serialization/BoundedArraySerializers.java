package io.sppo4j.cluster.serialization;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

/**
 * Kryo serializers of the primitive arrays the control plane carries, each writing a length
 * (0 for null, else length + 1) and the elements, and checking a claimed length against the
 * bytes left before allocating ({@link WireLimits}). Integers are varints (token ids and shapes
 * are small and non-negative), floating point values their exact IEEE bits, so NaN payloads and
 * signed zeros survive.
 */
final class BoundedArraySerializers {

    private BoundedArraySerializers() {}

    private static int readLength(Input input, int minBytesEach, String what) {
        int lengthPlusOne = input.readVarInt(true);
        return lengthPlusOne == 0 ? -1 : WireLimits.checkLength(input, lengthPlusOne - 1, minBytesEach, what);
    }

    private static boolean writeLength(Output output, Object array, int length) {
        output.writeVarInt(array == null ? 0 : length + 1, true);
        return array != null;
    }

    /** {@code byte[]}, copied in one block. */
    static final class Bytes extends Serializer<byte[]> {
        Bytes() {
            super(true);
        }

        @Override
        public void write(Kryo kryo, Output output, byte[] array) {
            if (writeLength(output, array, array == null ? 0 : array.length)) {
                output.writeBytes(array);
            }
        }

        @Override
        public byte[] read(Kryo kryo, Input input, Class<? extends byte[]> type) {
            int length = readLength(input, 1, "byte[]");
            return length < 0 ? null : input.readBytes(length);
        }
    }

    /** {@code int[]} as varints. */
    static final class Ints extends Serializer<int[]> {
        Ints() {
            super(true);
        }

        @Override
        public void write(Kryo kryo, Output output, int[] array) {
            if (writeLength(output, array, array == null ? 0 : array.length)) {
                output.writeInts(array, 0, array.length, true);
            }
        }

        @Override
        public int[] read(Kryo kryo, Input input, Class<? extends int[]> type) {
            int length = readLength(input, 1, "int[]");
            return length < 0 ? null : input.readInts(length, true);
        }
    }

    /** {@code long[]} as varints. */
    static final class Longs extends Serializer<long[]> {
        Longs() {
            super(true);
        }

        @Override
        public void write(Kryo kryo, Output output, long[] array) {
            if (writeLength(output, array, array == null ? 0 : array.length)) {
                output.writeLongs(array, 0, array.length, true);
            }
        }

        @Override
        public long[] read(Kryo kryo, Input input, Class<? extends long[]> type) {
            int length = readLength(input, 1, "long[]");
            return length < 0 ? null : input.readLongs(length, true);
        }
    }

    /** {@code float[]}, 4 bytes each. */
    static final class Floats extends Serializer<float[]> {
        Floats() {
            super(true);
        }

        @Override
        public void write(Kryo kryo, Output output, float[] array) {
            if (writeLength(output, array, array == null ? 0 : array.length)) {
                for (float value : array) {
                    output.writeInt(Float.floatToRawIntBits(value)); // raw: keeps NaN payloads
                }
            }
        }

        @Override
        public float[] read(Kryo kryo, Input input, Class<? extends float[]> type) {
            int length = readLength(input, 4, "float[]");
            if (length < 0) {
                return null;
            }
            float[] array = new float[length];
            for (int i = 0; i < length; i++) {
                array[i] = Float.intBitsToFloat(input.readInt());
            }
            return array;
        }
    }

    /** {@code double[]}, 8 bytes each. */
    static final class Doubles extends Serializer<double[]> {
        Doubles() {
            super(true);
        }

        @Override
        public void write(Kryo kryo, Output output, double[] array) {
            if (writeLength(output, array, array == null ? 0 : array.length)) {
                writeDoubles(output, array);
            }
        }

        @Override
        public double[] read(Kryo kryo, Input input, Class<? extends double[]> type) {
            int length = readLength(input, 8, "double[]");
            return length < 0 ? null : readDoubles(input, length);
        }
    }

    /** {@code double[][]}: the row count, then each row as {@link Doubles} writes it (ragged rows allowed). */
    static final class DoubleMatrix extends Serializer<double[][]> {
        DoubleMatrix() {
            super(true);
        }

        @Override
        public void write(Kryo kryo, Output output, double[][] matrix) {
            if (writeLength(output, matrix, matrix == null ? 0 : matrix.length)) {
                for (double[] row : matrix) {
                    if (writeLength(output, row, row == null ? 0 : row.length)) {
                        writeDoubles(output, row);
                    }
                }
            }
        }

        @Override
        public double[][] read(Kryo kryo, Input input, Class<? extends double[][]> type) {
            int rows = readLength(input, 1, "double[][]");
            if (rows < 0) {
                return null;
            }
            double[][] matrix = new double[rows][];
            for (int i = 0; i < rows; i++) {
                int length = readLength(input, 8, "double[][] row");
                matrix[i] = length < 0 ? null : readDoubles(input, length);
            }
            return matrix;
        }
    }

    private static void writeDoubles(Output output, double[] array) {
        for (double value : array) {
            output.writeLong(Double.doubleToRawLongBits(value)); // raw: keeps NaN payloads
        }
    }

    private static double[] readDoubles(Input input, int length) {
        double[] array = new double[length];
        for (int i = 0; i < length; i++) {
            array[i] = Double.longBitsToDouble(input.readLong());
        }
        return array;
    }
}
