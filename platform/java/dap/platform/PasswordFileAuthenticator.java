package dap.platform;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
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
 */
public final class PasswordFileAuthenticator implements PasswdAuthenticationProvider {

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
      if (matches(password, Integer.parseInt(fields[1]), fields[2], fields[3])) {
        return;
      }
      break;
    }
    throw new AuthenticationException("invalid user name or password for user " + user);
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
