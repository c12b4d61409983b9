"""credential: signed Open Badges 3.0 credentials of certificates

Revision ID: b3c9d2e1f0a7
Revises: b3f1c9d2e7a4
Create Date: 2026-12-05 13:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3c9d2e1f0a7'
down_revision = 'b3f1c9d2e7a4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('credential',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=64), nullable=False),
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('jwt', sa.Text(), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificate.id'], name=op.f('fk_credential_certificate_id_certificate'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credential')),
    sa.UniqueConstraint('uid', name=op.f('uq_credential_uid')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('credential', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credential_certificate_id'), ['certificate_id'], unique=False)
        batch_op.create_index('uq_credential_current', ['certificate_id'], unique=True,
                              sqlite_where=sa.text('superseded_at IS NULL'),
                              postgresql_where=sa.text('superseded_at IS NULL'))


def downgrade():
    with op.batch_alter_table('credential', schema=None) as batch_op:
        batch_op.drop_index('uq_credential_current')
        batch_op.drop_index(batch_op.f('ix_credential_certificate_id'))

    op.drop_table('credential')
