"""API Gateway v2: the WebSocket API from the template (`websocket`), served at /ws (`bridge`)."""
