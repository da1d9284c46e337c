"""The live front end: `poce-rt studio`, a local web page and HTTP API over the Editor/Reenactor.

    poce_rt.studio.images   upload decoding with size and pixel limits (no web framework)
    poce_rt.studio.session  one WebSocket reenact session: latest-frame slot -> Reenactor.run
    poce_rt.studio.server   the ASGI app (FastAPI; needs the `live` extra), create_app(...)
    poce_rt.studio/static   the page: index.html, app.js, style.css (plain files, no build)

Nothing here is imported by `import poce_rt`.
"""
