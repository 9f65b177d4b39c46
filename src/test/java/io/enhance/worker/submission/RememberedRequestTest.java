package io.enhance.worker.submission;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.enhance.worker.testing.ModelInputs;

/** What an attempt is remembered by: the body as sent, without what changes on every signing, and its fingerprint. */
class RememberedRequestTest {

    private static final boolean FROM_S3 = true;

    private static Map<String, Object> sent() {
        return RememberedRequest.of(
                ModelInputs.withDefaults("restore", "https://photos.example.com/cat.png?X-Amz-Signature=old"), FROM_S3);
    }

    @Test
    void keepsTheQueryOfAnImageUrlTheWorkerDidNotSignSoThatTwoImagesAreNeverConfused() {
        Map<String, Object> first = RememberedRequest.of(ModelInputs.withDefaults("restore", "https://img.example/get?id=1"), !FROM_S3);
        Map<String, Object> second = RememberedRequest.of(ModelInputs.withDefaults("restore", "https://img.example/get?id=2"), !FROM_S3);

        assertThat(first.get("image")).isEqualTo("https://img.example/get?id=1");
        assertThat(RememberedRequest.fingerprint(first)).isNotEqualTo(RememberedRequest.fingerprint(second));
    }

    @Test
    void dropsOnlyTheSignatureOfAUrlTheWorkerPresigned() {
        String presigned = "http://127.0.0.1:9000/sources/cat.png?x-id=GetObject&X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Date=20261124T220000Z&X-Amz-Credential=test&X-Amz-Expires=3600&X-Amz-Signature=ab12";

        assertThat(RememberedRequest.of(ModelInputs.withDefaults("restore", presigned), FROM_S3).get("image"))
                .isEqualTo("http://127.0.0.1:9000/sources/cat.png?x-id=GetObject");
        assertThat(RememberedRequest.withoutSignature("https://a.example/b.png?X-Amz-Signature=1"))
                .isEqualTo("https://a.example/b.png");
    }

    @Test
    void fingerprintsTheSameRequestAlikeWhateverItsSignatureOrFieldOrder() {
        Map<String, Object> reordered = new LinkedHashMap<>();
        List<String> names = new ArrayList<>(sent().keySet());
        Collections.reverse(names);
        names.forEach(name -> reordered.put(name, sent().get(name)));
        Map<String, Object> resigned = new LinkedHashMap<>(sent());
        resigned.put("image", "https://photos.example.com/cat.png?X-Amz-Signature=new");
        Map<String, Object> otherPrompt = new LinkedHashMap<>(sent());
        otherPrompt.put("prompt", "sharpen");

        String fingerprint = RememberedRequest.fingerprint(sent());
        assertThat(RememberedRequest.fingerprint(reordered)).isEqualTo(fingerprint);
        assertThat(RememberedRequest.fingerprint(RememberedRequest.of(resigned, FROM_S3))).isEqualTo(fingerprint);
        assertThat(RememberedRequest.fingerprint(otherPrompt)).isNotEqualTo(fingerprint).hasSize(64);
        assertThat(sent().get("image")).isEqualTo("https://photos.example.com/cat.png");
    }
}
