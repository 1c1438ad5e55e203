"""Typesetting helpers the writers share: Chinese and English line breaking (:mod:`documents.typeset.linebreak`)
and the 检查码 as a QR code (:mod:`documents.typeset.qr`)."""
