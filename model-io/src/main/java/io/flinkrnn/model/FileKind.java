package io.flinkrnn.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a file holds, decided by its first bytes rather than its name: users rename files, and an
 * {@code .h5} may be a weights-only file or a full model.
 */
enum FileKind {
    /** A zip archive, the container of Keras 3's {@code .keras}. */
    ZIP,
    HDF5,
    JSON;

    private static final byte[] HDF5_SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    static FileKind of(Path file, String display) {
        if (!Files.exists(file)) {
            throw new ModelLoadException(display + ": no such file");
        }
        if (Files.isDirectory(file)) {
            throw new ModelLoadException(
                    display + ": is a directory (a TensorFlow SavedModel?), expected a .keras," + " .h5 or .json file");
        }
        byte[] head = new byte[2056];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            throw new ModelLoadException(display + ": cannot be read (" + H5File.reason(e) + ")", e);
        }
        if (n == 0) {
            throw new ModelLoadException(display + ": is empty");
        }
        if (n >= 4
                && head[0] == 'P'
                && head[1] == 'K'
                && (head[2] == 3 && head[3] == 4 || head[2] == 5 && head[3] == 6)) {
            return ZIP;
        }
        // HDF5 may start after a user block of 512, 1024 or 2048 bytes.
        for (int offset : new int[] {0, 512, 1024, 2048}) {
            if (startsWith(head, n, offset)) {
                return HDF5;
            }
        }
        for (int i = 0; i < n; i++) {
            byte b = head[i];
            if (b == '{') {
                return JSON;
            }
            boolean bom = i < 3 && (b & 0xff) >= 0xbb;
            if (!Character.isWhitespace(b) && !bom) {
                break;
            }
        }
        throw new ModelLoadException(
                display + ": not a Keras model file (neither a .keras zip archive, nor HDF5," + " nor a JSON config)");
    }

    private static boolean startsWith(byte[] head, int n, int offset) {
        if (offset + HDF5_SIGNATURE.length > n) {
            return false;
        }
        for (int i = 0; i < HDF5_SIGNATURE.length; i++) {
            if (head[offset + i] != HDF5_SIGNATURE[i]) {
                return false;
            }
        }
        return true;
    }
}
