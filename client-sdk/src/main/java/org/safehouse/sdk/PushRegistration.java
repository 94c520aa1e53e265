package org.safehouse.sdk;

/**
 * A push endpoint registered with the server, and the keys its wake-ups are encrypted to (RFC 8291,
 * {@code aes128gcm}). Hand the keys to the app's UnifiedPush connector or Web Push decryptor; the
 * SDK does not keep them. A wake-up carries nothing but the fact of waking: on one, call {@link
 * SafehouseClient#drainOnce()}.
 *
 * @param endpoint the https URL the server posts wake-ups to
 * @param publicKey this device's push public key ({@code p256dh}), an uncompressed P-256 point (65
 *     bytes)
 * @param authSecret this device's 16-byte push authentication secret ({@code auth})
 * @param privateKey the push private key (PKCS#8), which decrypts the wake-ups; keep it with the
 *     app's other secrets
 * @param serverKey the server's VAPID public key (65 bytes), which signs every wake-up; a
 *     distributor may ask for it ({@code applicationServerKey})
 */
public record PushRegistration(
    String endpoint, byte[] publicKey, byte[] authSecret, byte[] privateKey, byte[] serverKey) {}
