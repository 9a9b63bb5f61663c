package dap.platform;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import javax.security.sasl.AuthenticationException;
import org.apache.hive.service.auth.PasswdAuthenticationProvider;

/**
 * HiveServer2 CUSTOM authentication for the Spark Thrift Server: user names and password hashes
 * from a file, read on every login (so a rotated password applies without a restart).
 *
 * <p>Set {@code hive.server2.authentication=CUSTOM} and
 * {@code hive.server2.custom.authentication.class=dap.platform.PasswordFileAuthenticator}; the
 * file is named by the environment variable {@code DAP_THRIFT_USERS_FILE} (or the system property
 * {@code dap.thrift.users.file}). One line per user, {@code user:iterations:salt:hash} with salt and
 * hash in base64 and hash = PBKDF2-HMAC-SHA256(password, salt, iterations, 256 bits). The file
 * holds no password; neither the password nor the hash is ever logged.
 *
 * <p>dbt opens a new connection for every node it runs, so a build logs in hundreds of times; the
 * key derivation, deliberately slow, then took an eighth of the server's CPU. A successful login is
 * remembered, in memory only, as an HMAC of the password under a key drawn at random when the
 * server starts, filed under the exact users-file line it matched: the same password against the
 * same line is then checked with one HMAC. A rotated password changes the line, so nothing
 * remembered for the old one applies; a failed login is never remembered and always pays the
 * full derivation.
 */
public final class PasswordFileAuthenticator implements PasswdAuthenticationProvider {

  private static final int MAX_REMEMBERED = 1024;
  private static final Map<String, byte[]> REMEMBERED = new ConcurrentHashMap<>();
  private static final byte[] PROCESS_KEY = new byte[32];

  static {
    new SecureRandom().nextBytes(PROCESS_KEY);
  }

  @Override
  public void Authenticate(String user, String password) throws AuthenticationException {
    if (user == null || password == null || user.isEmpty()) {
      throw new AuthenticationException("a user name and a password are required");
    }
    String file = System.getenv("DAP_THRIFT_USERS_FILE");
    if (file == null || file.isEmpty()) {
      file = System.getProperty("dap.thrift.users.file", "");
    }
    if (file.isEmpty()) {
      throw new AuthenticationException("no users file (DAP_THRIFT_USERS_FILE) is configured");
    }
    List<String> lines;
    try {
      lines = Files.readAllLines(Paths.get(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AuthenticationException("cannot read the users file " + file, e);
    }
    for (String line : lines) {
      String[] fields = line.trim().split(":");
      if (fields.length != 4 || !fields[0].equals(user)) {
        continue;
      }
      String entry = line.trim();
      byte[] tag = tag(password);
      byte[] remembered = REMEMBERED.get(entry);
      if (remembered != null && MessageDigest.isEqual(remembered, tag)) {
        return;
      }
      if (matches(password, Integer.parseInt(fields[1]), fields[2], fields[3])) {
        if (REMEMBERED.size() >= MAX_REMEMBERED) {
          REMEMBERED.clear(); // bounded: users are few; a full map means the file churned
        }
        REMEMBERED.put(entry, tag);
        return;
      }
      break;
    }
    throw new AuthenticationException("invalid user name or password for user " + user);
  }

  private static byte[] tag(String password) throws AuthenticationException {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(PROCESS_KEY, "HmacSHA256"));
      return mac.doFinal(password.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new AuthenticationException("cannot check the password", e);
    }
  }

  private static boolean matches(String password, int iterations, String salt, String hash)
      throws AuthenticationException {
    Base64.Decoder base64 = Base64.getDecoder();
    byte[] expected = base64.decode(hash);
    try {
      PBEKeySpec spec =
          new PBEKeySpec(password.toCharArray(), base64.decode(salt), iterations, expected.length * 8);
      byte[] actual =
          SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
      spec.clearPassword();
      return MessageDigest.isEqual(expected, actual);
    } catch (GeneralSecurityException e) {
      throw new AuthenticationException("cannot check the password", e);
    }
  }
}
