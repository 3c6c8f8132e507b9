from ipservice import create_app

app = create_app()
