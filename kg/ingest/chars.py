"""Character classes the ingest modules share: spacing, and the closing quotes and brackets that
stay with what they close."""

WS = " \t\r\f\v\u3000\xa0\ufeff"
CLOSERS = "”’」』）)》】\"'"
