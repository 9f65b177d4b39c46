package io.enhance.worker.emulator;

import java.io.IOException;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Uploads ({@code /api/v3/media/...}) and the public downloads of media and prediction outputs. */
final class MediaEndpoints {

    static final int UPLOAD_LIMIT = 64 * 1024 * 1024;

    /** Bytes a stalled download sends before it goes quiet. */
    private static final int STALLED_AFTER_BYTES = 16;

    private final FileStore files;
    private final FaultDice dice;
    private final Queue<Call> stalled = new ConcurrentLinkedQueue<>();
    private final Set<String> stalledPredictions = ConcurrentHashMap.newKeySet();
    /** Content type per stored or reserved media path ({@code key/fileName}); the value is small. */
    private final Map<String, String> mediaTypes = new ConcurrentHashMap<>();
    private final Map<String, Boolean> awaitingPut = new ConcurrentHashMap<>();

    MediaEndpoints(FileStore files, FaultDice dice) {
        this.files = files;
        this.dice = dice;
    }

    /** {@code POST /api/v3/media/upload/binary}, multipart field {@code file}. */
    void uploadBinary(Call call) throws IOException {
        byte[] body = call.body(UPLOAD_LIMIT);
        MultipartForm.Part part = MultipartForm.find(call.header("Content-Type"), body, "file")
                .orElseThrow(() -> ApiException.badRequest("file is required: send it as the multipart field 'file'"));
        String fileName = safeFileName(part.fileName());
        String key = newKey();
        files.write(files.media(key, fileName), part.content());
        mediaTypes.put(key + "/" + fileName, contentType(part.contentType(), fileName));
        ObjectNode data = Json.object();
        data.put("type", kind(mediaTypes.get(key + "/" + fileName)));
        data.put("download_url", call.baseUrl() + "/media/" + key + "/" + fileName);
        data.put("filename", fileName);
        data.put("size", part.content().length);
        call.ok(data);
    }

    /** {@code POST /api/v3/media/uploads}: the newer two-step upload, answered with a URL to PUT the bytes to. */
    void reserveUpload(Call call) throws IOException {
        JsonNode body = Call.parseJson(call.body(64 * 1024), null);
        JsonNode name = body.get("filename");
        if (name == null || !name.isTextual() || name.asText().isBlank()) {
            throw ApiException.badRequest("filename is required");
        }
        String fileName = safeFileName(name.asText());
        String type = contentType(body.path("content_type").asText(""), fileName);
        String path = newKey() + "/" + fileName;
        mediaTypes.put(path, type);
        awaitingPut.put(path, Boolean.TRUE);
        String url = call.baseUrl() + "/media/" + path;
        ObjectNode data = Json.object();
        data.put("download_url", url);
        data.put("filename", fileName);
        ObjectNode upload = data.putObject("upload");
        upload.put("method", "PUT").put("url", url);
        upload.putObject("headers").put("Content-Type", type);
        call.ok(data);
    }

    /** {@code PUT /media/{key}/{file}}: fills a reserved upload once; no bearer token, like a presigned URL. */
    void putMedia(Call call) throws IOException {
        String path = call.pathPart(1) + "/" + call.pathPart(2);
        if (awaitingPut.remove(path) == null) {
            throw new ApiException(403, "No upload is waiting at this URL");
        }
        files.write(files.media(call.pathPart(1), call.pathPart(2)), call.body(UPLOAD_LIMIT));
        call.empty(200);
    }

    void getMedia(Call call) throws IOException {
        String path = call.pathPart(1) + "/" + call.pathPart(2);
        Path file = files.media(call.pathPart(1), call.pathPart(2));
        if (awaitingPut.containsKey(path) || !Files.isRegularFile(file)) {
            throw ApiException.notFound("Media not found");
        }
        call.file(file, mediaTypes.getOrDefault(path, contentType(null, call.pathPart(2))));
    }

    void getOutput(Call call) throws IOException {
        String fileName = "0." + call.pathPart(2);
        Path file = files.output(call.pathPart(1), fileName);
        if (!Files.isRegularFile(file)) {
            throw ApiException.notFound("Output not found");
        }
        String contentType = call.pathPart(2).equals("png") ? "image/png" : "image/jpeg";
        if (dice.rollOutputStall()) {
            stalled.add(call);
            stalledPredictions.add(call.pathPart(1));
            call.stall(file, contentType, STALLED_AFTER_BYTES);
        } else {
            call.file(file, contentType);
        }
    }

    /** Predictions whose output download was stalled at least once; a copy. */
    Set<String> stalledPredictions() {
        return Set.copyOf(stalledPredictions);
    }

    /** Ends the stalled downloads, at the emulator's close. */
    void closeStalled() {
        for (Call call; (call = stalled.poll()) != null;) {
            call.close();
        }
    }

    private static String newKey() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    /** Keeps only characters that are safe in a path segment and a URL; never empty, never hidden. */
    static String safeFileName(String original) {
        String base = original == null ? "" : original.substring(Math.max(original.lastIndexOf('/'), original.lastIndexOf('\\')) + 1);
        String safe = base.replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("^\\.+", "");
        if (safe.length() > 120) {
            safe = safe.substring(safe.length() - 120);
        }
        return safe.isEmpty() ? "upload" : safe;
    }

    private static String contentType(String declared, String fileName) {
        if (declared != null && !declared.isBlank() && !declared.equalsIgnoreCase("application/octet-stream")) {
            return declared;
        }
        String guessed = URLConnection.guessContentTypeFromName(fileName);
        return guessed != null ? guessed : "application/octet-stream";
    }

    private static String kind(String contentType) {
        String major = contentType.toLowerCase(Locale.ROOT).split("/")[0];
        return switch (major) {
            case "image", "video", "audio" -> major;
            default -> "file";
        };
    }
}
