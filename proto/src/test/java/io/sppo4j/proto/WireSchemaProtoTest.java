package io.sppo4j.proto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.UnknownFieldSet;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The sppo4j.v1 schemas' bytes, derived by hand from the protobuf encoding rules: field numbers
 * and types are the contract with every other reader (and every rollout log on disk), so a
 * renumbering or a type change fails here before it ships.
 */
class WireSchemaProtoTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void weightOfferBytes() {
        WeightOffer offer = WeightOffer.newBuilder()
                .setSchemaVersion(1)
                .setHeader(WeightSnapshotHeader.newBuilder()
                        .setSchemaVersion(1).setVersion(7).setEncoding(TensorEncoding.TENSOR_ENCODING_BF16)
                        .setChecksum(0x01020304)
                        .addTensors(TensorHeader.newBuilder().setName("w").setDtype(TensorDType.TENSOR_DTYPE_BF16)
                                .addShape(2).addShape(3)))
                .setStep(5).setLast(true).setSource("a").setTransferHost("h").setTransferPort(300)
                .build();
        String tensor = "0a0177" + "1002" + "1a020203"; // name, dtype, packed shape
        String header = "0801" + "1007" + "1802" + "2504030201" + "2a09" + tensor;
        // Fields 5 and 6 (the former chunk size and count) are reserved; 8 and 9 name the transfer endpoint.
        assertEquals("0801" + "1216" + header + "1805" + "2001" + "3a0161" + "420168" + "48ac02",
                HEX.formatHex(offer.toByteArray()));
    }

    @Test
    void rolloutLogRecordBytes() {
        RolloutLogRecord record = RolloutLogRecord.newBuilder()
                .setSchemaVersion(1)
                .setJudged(JudgedGroup.newBuilder()
                        .setSchemaVersion(1)
                        .setGroup(RolloutGroup.newBuilder()
                                .setSchemaVersion(1).setCreditId(5).setPrompt("p").addPromptTokens(1).addPromptTokens(2)
                                .addSamples(Sample.newBuilder().addTokens(7).setText("t").setPolicyLogProb(-1.0f)
                                        .setFromMixture(true))
                                .setVersion(4).setWorker("w"))
                        .setK(1).addPreferences(0.5).addWinRates(0.25).setJudge("j"))
                .setLearnerVersion(6).setLoggedAtMillis(9)
                .build();
        String sample = "0a0107" + "120174" + "1d000080bf" + "2801";
        String group = "0801" + "1005" + "1a0170" + "22020102" + "2a0d" + sample + "3004" + "3a0177";
        String judged = "0801" + "121f" + group + "1801" + "2208000000000000e03f" + "2a08000000000000d03f" + "3a016a";
        assertEquals("0801" + "123c" + judged + "1806" + "2009", HEX.formatHex(record.toByteArray()));
    }

    @Test
    void delimitedRecordsReadBackInOrderAndKeepUnknownFields() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        UnknownFieldSet future = UnknownFieldSet.newBuilder()
                .addField(900, UnknownFieldSet.Field.newBuilder().addVarint(42).build()).build();
        for (int i = 0; i < 3; i++) {
            RolloutLogRecord.newBuilder().setSchemaVersion(1).setLearnerVersion(i).setUnknownFields(future).build()
                    .writeDelimitedTo(out);
        }
        ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
        for (int i = 0; i < 3; i++) {
            RolloutLogRecord record = RolloutLogRecord.parseDelimitedFrom(in);
            assertEquals(i, record.getLearnerVersion());
            assertEquals(future, record.getUnknownFields());
        }
        assertNull(RolloutLogRecord.parseDelimitedFrom(in));
    }
}
