import CTurboJPEG
import Foundation

/// JPEG decoding through libjpeg-turbo's TurboJPEG API, to the same interleaved 8-bit pixels as `PNGCodec`.
///
/// Baseline and progressive 8-bit JPEGs decode, in colour (RGB) or grey as the file is. Refused with the file named:
/// CMYK/YCCK files (no colour conversion to RGB without a colour profile), 12- or 16-bit samples (TurboJPEG's 8-bit
/// API cannot decode them), and truncated or corrupt data (decoding stops at libjpeg's first warning instead of
/// returning an image with grey where the data ran out).
public enum JPEGCodec {
    /// Refuse headers claiming absurd sizes before allocating (a corrupt file must not exhaust memory).
    private static let maximumBytes = 1 << 28

    /// Whether `data` starts with a JPEG's start-of-image marker and the first marker after it.
    public static func isJPEG(_ data: [UInt8]) -> Bool {
        data.count >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF
    }

    /// Decodes JPEG bytes; `path` only labels errors.
    public static func decode(_ data: [UInt8], path: String = "<memory>") throws -> PNGPixels {
        guard let handle = tjInitDecompress() else {
            throw DatasetError.unreadableImage(path: path, reason: "libjpeg-turbo could not start a decoder")
        }
        defer { tjDestroy(handle) }
        var width: Int32 = 0
        var height: Int32 = 0
        var subsampling: Int32 = 0
        var colorspace: Int32 = 0
        let header = data.withUnsafeBufferPointer { buffer in
            tjDecompressHeader3(
                handle, buffer.baseAddress, UInt(buffer.count), &width, &height, &subsampling, &colorspace)
        }
        guard header == 0, width > 0, height > 0 else {
            throw DatasetError.unreadableImage(
                path: path,
                reason: "truncated or corrupt JPEG header (\(header == 0 ? "no frame size" : message(handle)))")
        }
        if colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue) {
            throw DatasetError.unreadableImage(
                path: path, reason: "CMYK JPEG: only grey and RGB (YCbCr) JPEGs are read; convert it to RGB first")
        }
        let grey = colorspace == Int32(TJCS_GRAY.rawValue)
        let channels = grey ? 1 : 3
        let (w, h) = (Int(width), Int(height))
        guard w * h * channels <= maximumBytes else {
            throw DatasetError.unreadableImage(path: path, reason: "implausible size \(w)x\(h)")
        }
        var bytes = [UInt8](repeating: 0, count: w * h * channels)
        let format = grey ? TJPF_GRAY : TJPF_RGB
        // Accurate DCT: the integer IDCT libjpeg (hence PIL) uses by default, so pixels match PIL's decoding.
        let flags = TJFLAG_STOPONWARNING | TJFLAG_ACCURATEDCT
        let status = data.withUnsafeBufferPointer { source in
            bytes.withUnsafeMutableBufferPointer { destination in
                tjDecompress2(
                    handle, source.baseAddress, UInt(source.count), destination.baseAddress, width,
                    Int32(w * channels), height, Int32(format.rawValue), flags)
            }
        }
        guard status == 0 else {
            let text = message(handle)
            let truncated = text.contains("Premature end") || text.contains("Corrupt")
            throw DatasetError.unreadableImage(
                path: path, reason: truncated ? "truncated or corrupt JPEG data (\(text))" : "JPEG: \(text)")
        }
        return PNGPixels(width: w, height: h, channels: channels, bytes: bytes)
    }

    /// Encodes 8-bit grey or RGB pixels (interleaved) as JPEG bytes at `quality` (1...100), baseline or
    /// progressive; CMYK (`channels` 4) writes a YCCK file, which `decode` refuses (tests use it).
    public static func encode(_ pixels: PNGPixels, quality: Int = 90, progressive: Bool = false) throws -> [UInt8] {
        let formats: [Int: TJPF] = [1: TJPF_GRAY, 3: TJPF_RGB, 4: TJPF_CMYK]
        guard let format = formats[pixels.channels], pixels.width > 0, pixels.height > 0,
            pixels.bytes.count == pixels.width * pixels.height * pixels.channels, (1...100).contains(quality)
        else {
            throw DatasetError.invalidArgument(
                "JPEG encode: \(pixels.bytes.count) bytes, \(pixels.channels) channel(s), quality \(quality) do not "
                    + "make a \(pixels.width)x\(pixels.height) grey, RGB or CMYK image")
        }
        guard let handle = tjInitCompress() else {
            throw DatasetError.invalidArgument("libjpeg-turbo could not start an encoder")
        }
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let subsampling = pixels.channels == 1 ? TJSAMP_GRAY : TJSAMP_420
        let status = pixels.bytes.withUnsafeBufferPointer { source in
            tjCompress2(
                handle, source.baseAddress, Int32(pixels.width), 0, Int32(pixels.height), Int32(format.rawValue),
                &output, &size, Int32(subsampling.rawValue), Int32(quality),
                TJFLAG_ACCURATEDCT | (progressive ? TJFLAG_PROGRESSIVE : 0))
        }
        defer { if let output { tjFree(output) } }
        guard status == 0, let output else {
            throw DatasetError.invalidArgument("JPEG encode failed: \(message(handle))")
        }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }

    private static func message(_ handle: tjhandle) -> String {
        guard let text = tjGetErrorStr2(handle) else { return "libjpeg-turbo error" }
        return String(cString: text)
    }
}

/// Decodes an image file's bytes by their content (PNG or JPEG signature), whatever the file's extension says.
public enum ImageDecoding {
    /// File extensions (lower case) that image folders and `infer --image` read.
    public static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    /// The decoded pixels; anything but a PNG or a JPEG is refused naming the file and what it starts with.
    public static func decode(_ data: [UInt8], path: String) throws -> PNGPixels {
        if JPEGCodec.isJPEG(data) { return try JPEGCodec.decode(data, path: path) }
        if data.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return try PNGCodec.decode(data, path: path) }
        let start = data.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
        throw DatasetError.unreadableImage(
            path: path,
            reason: data.isEmpty ? "empty file" : "neither a PNG nor a JPEG image (it starts with bytes \(start))")
    }

    /// Whether a file name has an image extension (any case) and is not hidden.
    public static func isImageFile(_ name: String) -> Bool {
        guard !name.hasPrefix("."), let dot = name.lastIndex(of: ".") else { return false }
        return extensions.contains(name[name.index(after: dot)...].lowercased())
    }
}
