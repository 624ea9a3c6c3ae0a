import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The sample app's own users table; the token module never touches it. */
@Entity('users')
export class User {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'varchar', length: 150, unique: true })
  username: string;

  @Column({ type: 'varchar', length: 100 })
  passwordHash: string;
}
