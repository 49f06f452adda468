"""Mount one router per domain on the API."""
