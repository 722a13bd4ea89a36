import Foundation

/// What the operating system said, in its own words ("Permission denied", "Is a directory"),
/// rather than Foundation's wrapper ("The operation could not be completed. (NSCocoaErrorDomain error 512.)").
public enum SystemErrorText {
    public static func describe(_ error: any Error) -> String {
        let ns = error as NSError
        let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError
        for candidate in [underlying, ns].compactMap({ $0 }) where candidate.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(candidate.code)))
        }
        return ns.localizedDescription
    }
}
