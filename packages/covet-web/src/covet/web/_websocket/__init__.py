"""WebSocket internals: the connection, close codes, the endpoint runner and rooms.

The public face is :mod:`covet.web.websockets`; nothing here is imported by users directly.
"""
