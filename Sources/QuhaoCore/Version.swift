/// The release this source tree is (`quhao --version`, the `quhao_build_info` metric, the .deb's
/// version with the commit count appended by `make package`).
public enum QuhaoVersion {
    public static let current = "0.20.0"
}
