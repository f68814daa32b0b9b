import CPNG

/// An 8-bit image with interleaved channels, (height, width, channels): 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA.
public struct PNGPixels: Sendable, Equatable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Interleaved channels per pixel (1...4).
    public var channels: Int
    /// height * width * channels bytes, row-major.
    public var bytes: [UInt8]

    /// Creates pixels; the byte count is checked when encoding.
    public init(width: Int, height: Int, channels: Int, bytes: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.bytes = bytes
    }
}

extension Dataset {
    /// Image `index` with its channels interleaved, ready for `PNGCodec.encode` (grey or RGB as the dataset holds it).
    public func pngPixels(at index: Int) -> PNGPixels {
        let planar = image(at: index)
        let plane = height * width
        var bytes = [UInt8](repeating: 0, count: planar.count)
        for pixel in 0..<plane {
            for channel in 0..<channels {
                bytes[pixel * channels + channel] = planar[planar.startIndex + channel * plane + pixel]
            }
        }
        return PNGPixels(width: width, height: height, channels: channels, bytes: bytes)
    }
}

/// PNG reading and writing through libpng's simplified `png_image` API.
public enum PNGCodec {
    /// PNG_FORMAT_FLAG_ALPHA from png.h (a stable ABI value; the shim does not expose it).
    private static let alphaFlag: UInt32 = 0x01
    /// PNG_FORMAT_FLAG_COLOR from png.h.
    private static let colorFlag: UInt32 = 0x02
    /// Refuse headers claiming absurd sizes before allocating (a corrupt file must not exhaust memory).
    private static let maximumBytes = 1 << 28

    /// Decodes PNG bytes to 8-bit sRGB pixels, keeping the file's colour (grey or RGB) and alpha channels as they
    /// are (palettes are expanded, 16-bit samples reduced). `path` only labels errors.
    public static func decode(_ data: [UInt8], path: String = "<memory>") throws -> PNGPixels {
        var image = png_image()
        image.version = ranet_png_image_version()
        let began = data.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard began != 0 else {
            throw DatasetError.unreadableImage(path: path, reason: message(of: &image))
        }
        let hasColor = image.format & colorFlag != 0
        let hasAlpha = image.format & alphaFlag != 0
        image.format = (hasColor ? ranet_png_format_rgb() : ranet_png_format_gray()) | (hasAlpha ? alphaFlag : 0)
        let channels = (hasColor ? 3 : 1) + (hasAlpha ? 1 : 0)
        let width = Int(image.width)
        let height = Int(image.height)
        // libpng caps each side at 1,000,000 by default, so this product cannot overflow an Int.
        guard width > 0, height > 0, width * height * channels <= maximumBytes else {
            png_image_free(&image)
            throw DatasetError.unreadableImage(path: path, reason: "implausible size \(width)x\(height)")
        }
        var bytes = [UInt8](repeating: 0, count: width * height * channels)
        let finished = bytes.withUnsafeMutableBytes { buffer in
            png_image_finish_read(&image, nil, buffer.baseAddress, Int32(width * channels), nil)
        }
        guard finished != 0 else {
            throw DatasetError.unreadableImage(path: path, reason: message(of: &image))
        }
        return PNGPixels(width: width, height: height, channels: channels, bytes: bytes)
    }

    /// Encodes 8-bit pixels (1...4 interleaved channels) as a PNG file's bytes.
    public static func encode(_ pixels: PNGPixels) throws -> [UInt8] {
        guard (1...4).contains(pixels.channels), pixels.width > 0, pixels.height > 0,
            pixels.bytes.count == pixels.width * pixels.height * pixels.channels
        else {
            throw DatasetError.invalidArgument(
                "PNG encode: \(pixels.bytes.count) bytes do not make a "
                    + "\(pixels.width)x\(pixels.height) image with \(pixels.channels) channels")
        }
        // Grey = 0, GA = 1, RGB = 2, RGBA = 3: colour and alpha flags combined.
        let format =
            (pixels.channels >= 3 ? ranet_png_format_rgb() : ranet_png_format_gray())
            | (pixels.channels % 2 == 0 ? alphaFlag : 0)
        func writeImage(into memory: UnsafeMutableRawPointer?, size: inout Int) throws {
            var image = png_image()
            image.version = ranet_png_image_version()
            image.width = UInt32(pixels.width)
            image.height = UInt32(pixels.height)
            image.format = format
            let written = pixels.bytes.withUnsafeBytes { source in
                png_image_write_to_memory(&image, memory, &size, 0, source.baseAddress, 0, nil)
            }
            guard written != 0 else {
                throw DatasetError.invalidArgument("PNG encode failed: \(message(of: &image))")
            }
        }
        var size = 0
        try writeImage(into: nil, size: &size)  // with no memory, libpng reports the size it needs
        var output = [UInt8](repeating: 0, count: size)
        try output.withUnsafeMutableBytes { try writeImage(into: $0.baseAddress, size: &size) }
        return Array(output.prefix(size))
    }

    /// libpng's error text from a failed `png_image` call (it also frees the image's internal state).
    private static func message(of image: inout png_image) -> String {
        png_image_free(&image)
        let text = withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return text.isEmpty ? "libpng error" : text
    }
}
